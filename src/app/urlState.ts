/**
 * The URL hash holds every setting: written on every change (replacing the history entry, so Back leaves the app
 * rather than stepping through zooms), and read when the user edits or pastes it. Other parts of the app add their
 * own keys (the Training folder's `train.*`): they give their pairs and read an edited hash.
 */
import { type Settings, settingsFromHash, settingsToHash } from '../settings/settings.ts';

/** A part of the app with keys of its own in the hash. */
export interface HashPart {
  /** Its pairs now. */
  pairs(): readonly (readonly [string, string])[];
  /** An edited hash: it reads its keys. */
  read(params: URLSearchParams): void;
}

export class UrlState {
  private readonly parts: HashPart[] = [];

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

  addPart(part: HashPart): void {
    this.parts.push(part);
  }

  write(settings: Settings): void {
    const hash = this.hashOf(settings);
    if (location.hash !== hash) history.replaceState(null, '', hash);
  }

  private hashOf(settings: Settings): string {
    return settingsToHash(
      settings,
      this.parts.flatMap((part) => part.pairs()),
    );
  }

  private read(): void {
    if (location.hash === this.hashOf(this.current())) return;
    const params = new URLSearchParams(location.hash.replace(/^#/, ''));
    for (const part of this.parts) part.read(params);
    const { settings, messages } = settingsFromHash(location.hash, this.current());
    this.apply(settings, messages);
  }
}
