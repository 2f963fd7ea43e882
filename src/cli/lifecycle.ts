/**
 * How a command ends when it is told to: SIGINT, SIGTERM or SIGHUP to the command's process runs every registered
 * cleanup (close Chromium and the server, remove the browser profile, delete staged outputs), then exits with
 * 128 + the signal's number (130 for Ctrl-C). The same signal often arrives twice (`timeout` signals the whole
 * process group, and npm forwards it again): a repeat within kRepeatMs is ignored, a later one (a user pressing
 * Ctrl-C again) exits at once. The npm scripts
 * `exec` node (no shell or tsx parent in between), so a signal to `npm run ...` reaches this process.
 */

type Cleanup = () => void | Promise<void>;

const cleanups = new Set<Cleanup>();
/** The whole cleanup may take this long; then the process exits anyway. */
const kCleanupMs = 8000;
const kSignals = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const;
const kRepeatMs = 2000;
let installed = false;
let exiting = false;
let firstSignalAt = 0;

/** Runs `cleanup` if the process is signalled while it is registered; call the returned function to unregister. */
export function onInterrupt(cleanup: Cleanup): () => void {
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

async function runCleanups(): Promise<void> {
  const all = [...cleanups].reverse();
  cleanups.clear();
  for (const cleanup of all) {
    try {
      await cleanup();
    } catch {
      // Cleaning up what is left matters more than one failure's message.
    }
  }
}

/** True once a signal is being handled: the command's own error messages are then noise (the browser closing). */
export function stopping(): boolean {
  return exiting;
}

/** Installs the signal handlers once; `command` names the command in the message printed on a signal. */
export function handleSignals(command: string): void {
  if (installed) return;
  installed = true;
  for (const [signal, number] of Object.entries(kSignals)) {
    process.on(signal, () => {
      const code = 128 + number;
      if (exiting) {
        if (performance.now() - firstSignalAt > kRepeatMs) process.exit(code);
        return;
      }
      exiting = true;
      firstSignalAt = performance.now();
      const what = signal === 'SIGINT' ? 'interrupted' : `${signal}`;
      process.stderr.write(`\n${command}: ${what}: stopping; nothing more is written\n`);
      setTimeout(() => process.exit(code), kCleanupMs).unref();
      void runCleanups().finally(() => process.exit(code));
    });
  }
}
