/** Chromium's WebGPU flags, for the harness, `npm run doctor` and `npm start`'s banner. */

/**
 * What turns WebGPU on in Chrome or Chromium on Linux; without a GPU (`gpu` false), on the CPU through SwiftShader's
 * Vulkan driver, with canvas presents that work (README, "Browsers"; needs Debian's libvulkan1).
 */
export function webGpuFlags(gpu: boolean): string[] {
  const on = ['--enable-unsafe-webgpu', '--enable-features=Vulkan'];
  return gpu ? [...on, '--use-angle=vulkan'] : [...on, '--use-vulkan=swiftshader', '--use-angle=vulkan'];
}

/** The headless harness's flags, checked on this machine kind: WebGPU, no network, a fresh profile. */
export function chromiumFlags(gpu: boolean, userDataDir: string): string[] {
  return [
    '--no-sandbox',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    `--user-data-dir=${userDataDir}`,
    ...webGpuFlags(gpu),
  ];
}
