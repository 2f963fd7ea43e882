/** WebGPU cannot start in the headless browser: exit code 3 of the commands; the message says what was tried. */
export class WebGpuUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebGpuUnavailableError';
  }
}
