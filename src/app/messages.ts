/** Messages to the user: errors stay until clicked away or replaced; notes fade after a while. */

const kNoteMs = 6000;
const kMaxShown = 4;

export class Messages {
  /** Every error shown since the page loaded (read by the tests and the CLI). */
  readonly errors: string[] = [];

  constructor(private readonly root: HTMLElement) {}

  error(text: string): void {
    this.errors.push(text);
    this.show(text, 'error');
  }

  note(text: string): void {
    const element = this.show(text, 'note');
    setTimeout(() => element.remove(), kNoteMs);
  }

  private show(text: string, kind: 'error' | 'note'): HTMLElement {
    const element = document.createElement('div');
    element.className = kind;
    element.textContent = text;
    element.title = 'click to dismiss';
    element.addEventListener('click', () => element.remove());
    this.root.append(element);
    while (this.root.children.length > kMaxShown) this.root.firstElementChild?.remove();
    return element;
  }
}
