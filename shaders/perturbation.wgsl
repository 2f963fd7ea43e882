// The perturbation form shared by the fields passes: they propagate differences from the view centre, where the
// CPU computed every pre-activation in float64 (zc). A neuron's post-activation then changes by
// relu(zc + dz) - relu(zc), exact in the two cases where the sign does not change.
fn reluDifference(zc: f32, dz: f32) -> f32 {
  let z = zc + dz;
  if (zc > 0.0) {
    return select(-zc, dz, z > 0.0);
  }
  return select(0.0, z, z > 0.0);
}
