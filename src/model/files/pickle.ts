/**
 * A restricted unpickler for the pickles torch.save writes of a state_dict (protocol 2; the few protocol-4 opcodes
 * too). It never executes anything: GLOBAL resolves a name only from the caller's allowlist, to a function written
 * here in TypeScript, and refuses every other name at once, before any later opcode runs. Unknown opcodes are
 * refused with their byte and offset. The memo, the stack, the number of objects made and the items all containers
 * hold together are capped, and every length is checked against the bytes left, so a hostile pickle costs time linear
 * in its size and bounded memory.
 */

import { quoted } from '../quote.ts';

export class PickleError extends Error {}

function fail(message: string): never {
  throw new PickleError(message);
}

export class PickleTuple {
  constructor(readonly items: readonly PickleValue[]) {}
}

export class PickleList {
  readonly items: PickleValue[] = [];
}

export type DictKey = string | number | bigint | boolean | null;

/** A dict or an OrderedDict: keys in insertion order. */
export class PickleDict {
  readonly map = new Map<DictKey, PickleValue>();
}

/** A name from the allowlist, as GLOBAL pushes it: called only by REDUCE, through its allowlisted function. */
export class PickleGlobal {
  constructor(readonly name: string) {}
}

/** What an allowlisted function or the persistent loader returns (a storage, a tensor): opaque to the unpickler. */
export class PickleOpaque {
  constructor(readonly value: unknown) {}
}

export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | PickleTuple
  | PickleList
  | PickleDict
  | PickleGlobal
  | PickleOpaque;

export interface UnpickleOptions {
  /**
   * The globals the pickle may name ("module.name"), each with what calling it (REDUCE) does, or null for a name
   * that may only be passed around (a storage class in a persistent id).
   */
  readonly globals: ReadonlyMap<string, ((args: readonly PickleValue[]) => PickleValue) | null>;
  /** What BINPERSID's id stands for. */
  readonly persistentLoad: (id: PickleValue) => PickleValue;
  /** Why only these globals, for the refusal message. */
  readonly purpose: string;
}

export const kPickleLimits = {
  /** Memo entries. */
  maxMemo: 1 << 20,
  /** Values on the stack, all marks together. */
  maxStack: 1 << 20,
  /** Open marks. */
  maxMarks: 1 << 12,
  /** Containers and opaque objects made. */
  maxObjects: 1 << 22,
  /**
   * Items in all lists, tuples and dicts together (a dict's key and value count as one). A state_dict holds about 25 a
   * tensor; without a bound, Nones appended at a byte each grow a list past what V8 can hold (a fatal error, not an
   * exception).
   */
  maxItems: 1 << 22,
} as const;

/** A short description of a value for messages (never recursive: a hostile pickle may build cycles). */
export function describeValue(value: PickleValue): string {
  if (value === null) return 'None';
  if (typeof value === 'string') return quoted(value, 40);
  if (typeof value !== 'object') return String(value);
  if (value instanceof PickleTuple) return `a tuple of ${value.items.length}`;
  if (value instanceof PickleList) return `a list of ${value.items.length}`;
  if (value instanceof PickleDict) return `a dict of ${value.map.size}`;
  if (value instanceof PickleGlobal) return value.name;
  return 'an object';
}

function dictKey(key: PickleValue, at: number): DictKey {
  if (key === null || typeof key !== 'object') return key;
  fail(`a dict key that is ${describeValue(key)} at offset ${at}: only strings and numbers are read`);
}

/** Opcodes that exist but that a weights-only state_dict never uses (for the message). */
const kRefusedNames: Record<number, string> = {
  105: 'INST',
  111: 'OBJ',
  129: 'NEWOBJ',
  146: 'NEWOBJ_EX',
  80: 'PERSID',
  130: 'EXT1',
  131: 'EXT2',
  132: 'EXT4',
};

/** Unpickles `bytes`; throws PickleError naming the first problem and its offset. */
export function unpickle(bytes: Uint8Array, options: UnpickleOptions): PickleValue {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const memo = new Map<number, PickleValue>();
  let stack: PickleValue[] = [];
  const marks: PickleValue[][] = [];
  let depth = 0;
  let objects = 0;
  let held = 0;
  let at = 0;
  /** The opcode being run and its offset, for messages. */
  let op = 0;
  let opAt = 0;

  const need = (n: number): number => {
    if (at + n > bytes.length) fail(`the pickle ends inside opcode 0x${hex(op)} at offset ${opAt} (truncated)`);
    const start = at;
    at += n;
    return start;
  };
  const push = (value: PickleValue): void => {
    if (++depth > kPickleLimits.maxStack) fail(`over ${kPickleLimits.maxStack} values on the pickle's stack`);
    stack.push(value);
  };
  /** `n` more items in containers. */
  const hold = (n: number): void => {
    held += n;
    if (held > kPickleLimits.maxItems) {
      fail(
        `the pickle's lists, tuples and dicts hold over ${kPickleLimits.maxItems} items at offset ${opAt} ` +
          '(a state_dict holds about 25 a tensor)',
      );
    }
  };
  const made = <T extends PickleValue>(value: T): T => {
    if (++objects > kPickleLimits.maxObjects) fail(`the pickle makes over ${kPickleLimits.maxObjects} objects`);
    if (value instanceof PickleTuple) hold(value.items.length);
    return value;
  };
  const pop = (): PickleValue => {
    if (stack.length === 0) fail(`opcode 0x${hex(op)} at offset ${opAt} pops an empty stack`);
    depth--;
    return stack.pop() as PickleValue;
  };
  const top = (): PickleValue => {
    if (stack.length === 0) fail(`opcode 0x${hex(op)} at offset ${opAt} needs a value on the stack`);
    return stack[stack.length - 1] as PickleValue;
  };
  /** The values pushed since the last MARK; the stack below it comes back. */
  const popMark = (): PickleValue[] => {
    const items = stack;
    const below = marks.pop();
    if (!below) fail(`opcode 0x${hex(op)} at offset ${opAt} has no MARK before it`);
    stack = below;
    depth -= items.length;
    return items;
  };
  const text = (n: number): string => {
    const start = need(n);
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(start, start + n));
    } catch {
      fail(`a string at offset ${start} is not UTF-8`);
    }
  };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, at);
    if (end < 0 || end - at > 256) fail(`a GLOBAL name at offset ${at} has no end of line`);
    const value = String.fromCharCode(...bytes.subarray(at, end));
    at = end + 1;
    return value;
  };
  const global = (module: string, name: string, offset: number): PickleValue => {
    const full = `${module}.${name}`;
    if (!options.globals.has(full)) {
      const printable = /^[\w.]{1,120}$/.test(full) ? full : quoted(full, 120);
      fail(`the pickle names ${printable} at offset ${offset}: refused (${options.purpose}; nothing was executed)`);
    }
    return made(new PickleGlobal(full));
  };
  const memoPut = (index: number): void => {
    if (!memo.has(index) && memo.size >= kPickleLimits.maxMemo) fail(`over ${kPickleLimits.maxMemo} memo entries`);
    memo.set(index, top());
  };
  const memoGet = (index: number): void => {
    if (!memo.has(index)) fail(`memo entry ${index} read at offset ${opAt} was never written`);
    push(memo.get(index) ?? null);
  };
  const setItems = (dict: PickleValue, items: readonly PickleValue[], offset: number): void => {
    if (!(dict instanceof PickleDict)) fail(`SETITEM(S) at offset ${offset} on ${describeValue(dict)}, not a dict`);
    if (items.length % 2 !== 0) fail(`SETITEMS at offset ${offset} has an odd number of values`);
    hold(items.length / 2);
    for (let i = 0; i < items.length; i += 2) dict.map.set(dictKey(items[i] ?? null, offset), items[i + 1] ?? null);
  };
  const append = (list: PickleValue, items: readonly PickleValue[], offset: number): void => {
    if (!(list instanceof PickleList)) fail(`APPEND(S) at offset ${offset} on ${describeValue(list)}, not a list`);
    hold(items.length);
    // One at a time: spreading a million arguments would overflow the call stack.
    for (const item of items) list.items.push(item);
  };

  while (at < bytes.length) {
    const offset = at;
    opAt = at;
    op = bytes[at++] ?? 0;
    switch (op) {
      case 0x80: // PROTO
        if ((bytes[need(1)] ?? 0) > 5) fail(`pickle protocol ${bytes[offset + 1]} at offset ${offset} is unknown`);
        break;
      case 0x95: // FRAME: a length hint only
        need(8);
        break;
      case 0x2e: {
        // STOP
        if (stack.length !== 1 || marks.length > 0) fail(`STOP at offset ${offset} with ${stack.length} values left`);
        return stack[0] ?? null;
      }
      case 0x28: // MARK
        if (marks.length >= kPickleLimits.maxMarks) fail(`over ${kPickleLimits.maxMarks} nested MARKs`);
        marks.push(stack);
        stack = [];
        break;
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        push(top());
        break;
      case 0x7d: // EMPTY_DICT
        push(made(new PickleDict()));
        break;
      case 0x5d: // EMPTY_LIST
        push(made(new PickleList()));
        break;
      case 0x29: // EMPTY_TUPLE
        push(made(new PickleTuple([])));
        break;
      case 0x74: // TUPLE
        push(made(new PickleTuple(popMark())));
        break;
      case 0x85: // TUPLE1
      case 0x86: // TUPLE2
      case 0x87: {
        // TUPLE3
        const items: PickleValue[] = [];
        for (let i = 0; i < op - 0x84; i++) items.unshift(pop());
        push(made(new PickleTuple(items)));
        break;
      }
      case 0x6c: {
        // LIST
        const list = made(new PickleList());
        append(list, popMark(), offset);
        push(list);
        break;
      }
      case 0x64: {
        // DICT
        const dict = made(new PickleDict());
        setItems(dict, popMark(), offset);
        push(dict);
        break;
      }
      case 0x58: // BINUNICODE
        push(text(view.getUint32(need(4), true)));
        break;
      case 0x8c: // SHORT_BINUNICODE
        push(text(bytes[need(1)] ?? 0));
        break;
      case 0x4a: // BININT
        push(view.getInt32(need(4), true));
        break;
      case 0x4b: // BININT1
        push(bytes[need(1)] ?? 0);
        break;
      case 0x4d: // BININT2
        push(view.getUint16(need(2), true));
        break;
      case 0x8a: {
        // LONG1: n bytes of two's complement, little-endian
        const n = bytes[need(1)] ?? 0;
        const start = need(n);
        let value = 0n;
        for (let i = n - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[start + i] ?? 0);
        if (n > 0 && (bytes[start + n - 1] ?? 0) & 0x80) value -= 1n << BigInt(8 * n);
        push(
          value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value,
        );
        break;
      }
      case 0x4e: // NONE
        push(null);
        break;
      case 0x88: // NEWTRUE
        push(true);
        break;
      case 0x89: // NEWFALSE
        push(false);
        break;
      case 0x47: // BINFLOAT (big-endian)
        push(view.getFloat64(need(8), false));
        break;
      case 0x71: // BINPUT
        memoPut(bytes[need(1)] ?? 0);
        break;
      case 0x72: // LONG_BINPUT
        memoPut(view.getUint32(need(4), true));
        break;
      case 0x94: // MEMOIZE
        memoPut(memo.size);
        break;
      case 0x68: // BINGET
        memoGet(bytes[need(1)] ?? 0);
        break;
      case 0x6a: // LONG_BINGET
        memoGet(view.getUint32(need(4), true));
        break;
      case 0x63: {
        // GLOBAL "module\nname\n": refused here, before anything could call it, unless allowlisted
        const module = line();
        push(global(module, line(), offset));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string')
          fail(`STACK_GLOBAL at offset ${offset} without names`);
        push(global(module, name, offset));
        break;
      }
      case 0x51: // BINPERSID
        push(made(options.persistentLoad(pop())));
        break;
      case 0x52: {
        // REDUCE: only an allowlisted global, through its TypeScript function
        const args = pop();
        const callable = pop();
        const call = callable instanceof PickleGlobal ? options.globals.get(callable.name) : undefined;
        if (!call || !(args instanceof PickleTuple)) {
          fail(`REDUCE at offset ${offset} calls ${describeValue(callable)}: refused (nothing was executed)`);
        }
        push(made(call(args.items)));
        break;
      }
      case 0x62: {
        // BUILD: only the attributes of a dict (an OrderedDict's _metadata), which are dropped
        const state = pop();
        if (!(top() instanceof PickleDict) || !(state instanceof PickleDict || state === null)) {
          fail(`BUILD at offset ${offset} sets the state of ${describeValue(top())}: refused`);
        }
        break;
      }
      case 0x73: {
        // SETITEM
        const value = pop();
        const key = pop();
        setItems(top(), [key, value], offset);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items, offset);
        break;
      }
      case 0x61: {
        // APPEND
        const value = pop();
        append(top(), [value], offset);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        append(top(), items, offset);
        break;
      }
      default: {
        const name = kRefusedNames[op];
        const printable = op >= 0x20 && op < 0x7f ? ` ('${String.fromCharCode(op)}')` : '';
        fail(
          `opcode 0x${hex(op)}${printable}${name ? ` (${name})` : ''} at offset ${offset} is not one a weights-only ` +
            'state_dict uses: refused',
        );
      }
    }
  }
  fail('the pickle ends without STOP (truncated)');
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}
