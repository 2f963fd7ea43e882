/**
 * Seeds of the randomized tests: a new one every run (so that each run tries fresh nets and views), printed, and
 * fixed by RELUSCOPE_TEST_SEED=N to repeat a run. Everything random in a test file derives from its seed, so the
 * one printed number reproduces every net, view and parameter the file drew.
 */
/** The seed of one test file (or test); printed with `label` so that a failure can be repeated. */
export function testSeed(label: string): number {
  const fixed = process.env.RELUSCOPE_TEST_SEED;
  const seed =
    fixed !== undefined && fixed !== '' ? Number(fixed) >>> 0 : (Date.now() ^ (performance.now() * 1e3)) >>> 0;
  console.log(`[seed] ${label}: ${seed} (RELUSCOPE_TEST_SEED=${seed} repeats it)`);
  return seed;
}
