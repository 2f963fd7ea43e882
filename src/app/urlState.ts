/**
 * The URL hash holds every setting: written on every change (replacing the history entry, so Back leaves the app
 * rather than stepping through zooms), and read when the user edits or pastes it.
 */
import { type Settings, settingsFromHash, settingsToHash } from '../settings/settings.ts';

export class UrlState {
  /**
   * `current` gives the settings now; `apply` receives the settings an edited hash asks for, over them, and the
   * messages about its bad values.
   */
  constructor(
    private readonly current: () => Settings,
    private readonly apply: (settings: Settings, messages: string[]) => void,
  ) {
    window.addEventListener('hashchange', () => this.read());
  }

  write(settings: Settings): void {
    const hash = settingsToHash(settings);
    if (location.hash !== hash) history.replaceState(null, '', hash);
  }

  private read(): void {
    if (location.hash === settingsToHash(this.current())) return;
    const { settings, messages } = settingsFromHash(location.hash, this.current());
    this.apply(settings, messages);
  }
}
