/**
 * Messages to the user: errors stay until clicked away, notes fade after a while. They stack (the box scrolls when
 * there are many), none is dropped; a message repeated while shown counts up instead of stacking again.
 */

const kNoteMs = 8000;

export class Messages {
  /** Every error shown since the page loaded (read by the tests and the CLI). */
  readonly errors: string[] = [];
  private readonly dismissAll: HTMLButtonElement;

  constructor(private readonly root: HTMLElement) {
    this.dismissAll = document.createElement('button');
    this.dismissAll.className = 'dismiss-all';
    this.dismissAll.textContent = 'dismiss all messages';
    this.dismissAll.hidden = true;
    this.dismissAll.addEventListener('click', () => {
      for (const element of [...this.root.querySelectorAll('.error, .note')]) element.remove();
      this.update();
    });
    root.append(this.dismissAll);
  }

  error(text: string): void {
    this.errors.push(text);
    this.show(text, 'error');
  }

  note(text: string): void {
    const element = this.show(text, 'note');
    setTimeout(() => {
      element.remove();
      this.update();
    }, kNoteMs);
  }

  private show(text: string, kind: 'error' | 'note'): HTMLElement {
    const same = [...this.root.querySelectorAll<HTMLElement>(`.${kind}`)].find((e) => e.dataset.text === text);
    if (same) {
      const count = Number(same.dataset.count ?? '1') + 1;
      same.dataset.count = String(count);
      same.textContent = `${text} (×${count})`;
      this.root.append(same);
      return same;
    }
    const element = document.createElement('div');
    element.className = kind;
    element.dataset.text = text;
    element.textContent = text;
    element.title = 'click to dismiss';
    element.addEventListener('click', () => {
      element.remove();
      this.update();
    });
    this.root.append(element);
    this.update();
    element.scrollIntoView({ block: 'nearest' });
    return element;
  }

  /** The "dismiss all" button shows when there are several messages. */
  private update(): void {
    this.dismissAll.hidden = this.root.querySelectorAll('.error, .note').length < 2;
    this.root.prepend(this.dismissAll);
  }
}
