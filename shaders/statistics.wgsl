// The frame's statistics, written by both fields passes (each binds `counters`: the words of kStat in
// src/gpu/layout.ts, read back by src/gpu/renderer.ts and by the colour pass).

// A pixel's output: the largest |output| and the least and largest output (order-preserving keys, the least
// complemented) over the frame: the output mode's colour scale; in the decision mode, of the class (one class in view
// when they are equal).
fn recordOutput(output: f32) {
  atomicMax(&counters[0], bitcast<u32>(abs(output)));
  atomicMax(&counters[5], ~orderedKey(output));
  atomicMax(&counters[6], orderedKey(output));
}

// A pixel's integrand of the main formula (theorem mode): the largest over the frame, the top of its colour scale.
fn recordIntegrand(integrand: f32) {
  atomicMax(&counters[2], bitcast<u32>(integrand));
}
