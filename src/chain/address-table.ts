/** 32-bit words in a 20-byte address. */
const WORDS = 5;
/** Slots per entry at most: linear probing stays a probe or two below half full. */
const MAX_LOAD = 0.5;

/**
 * A hash table from 20-byte addresses to integers (invoice rowids), in typed arrays: open
 * addressing with linear probing over `slots`, entries appended to `words` and `values`. A
 * million addresses take ~36 MB here, against ~85 MB as a Map of 40-character strings (a 56-byte
 * heap string per key plus the Map's entry), and inserting one allocates nothing.
 *
 * Addresses are read as hex text at an offset (a `0x…` address in any case, or a log topic's
 * last 40 characters), so neither loading nor matching makes a string per address.
 */
export function createAddressTable() {
  let slots = new Int32Array(1024); // entry index + 1; 0 is an empty slot
  let words = new Uint32Array(512 * WORDS);
  let values = new Float64Array(512);
  let size = 0;
  const key = new Uint32Array(WORDS);

  /** Reads 40 hex characters at `offset` into `key`; false if any is not hex. */
  function readKey(text: string, offset: number): boolean {
    for (let w = 0; w < WORDS; w++) {
      let word = 0;
      for (let i = offset + w * 8, end = i + 8; i < end; i++) {
        const c = text.charCodeAt(i);
        const lower = c | 0x20;
        let nibble: number;
        if (c >= 48 && c <= 57) nibble = c - 48;
        else if (lower >= 97 && lower <= 102) nibble = lower - 87;
        else return false;
        word = (word << 4) | nibble;
      }
      key[w] = word;
    }
    return true;
  }

  /** Fibonacci hashing (the product's high bits) of two of the address's words. */
  function home(first: number, last: number): number {
    return Math.imul(first ^ last, 0x9e3779b1) >>> Math.clz32(slots.length - 1);
  }

  /** The slot holding `key`, or the empty slot where it would go. */
  function findSlot(): number {
    const mask = slots.length - 1;
    let slot = home(key[0] as number, key[4] as number);
    for (;;) {
      const entry = (slots[slot] as number) - 1;
      if (entry < 0) return slot;
      const at = entry * WORDS;
      if (
        words[at] === key[0] &&
        words[at + 1] === key[1] &&
        words[at + 2] === key[2] &&
        words[at + 3] === key[3] &&
        words[at + 4] === key[4]
      )
        return slot;
      slot = (slot + 1) & mask;
    }
  }

  function grow(): void {
    if (size === values.length) {
      const nextWords = new Uint32Array(words.length * 2);
      nextWords.set(words);
      words = nextWords;
      const nextValues = new Float64Array(values.length * 2);
      nextValues.set(values);
      values = nextValues;
    }
    if (size + 1 > slots.length * MAX_LOAD) {
      // Rehashed from the stored words: `key` holds the address being inserted.
      slots = new Int32Array(slots.length * 2);
      const mask = slots.length - 1;
      for (let entry = 0; entry < size; entry++) {
        let slot = home(words[entry * WORDS] as number, words[entry * WORDS + 4] as number);
        while (slots[slot] !== 0) slot = (slot + 1) & mask;
        slots[slot] = entry + 1;
      }
    }
  }

  return {
    /** Maps the 40 hex characters at `offset` of `text` to `value`; false if they are not hex. */
    set(text: string, offset: number, value: number): boolean {
      if (!readKey(text, offset)) return false;
      const found = (slots[findSlot()] as number) - 1;
      if (found >= 0) {
        values[found] = value;
        return true;
      }
      grow();
      words.set(key, size * WORDS);
      values[size] = value;
      slots[findSlot()] = ++size;
      return true;
    },
    /** The value of the address in the 40 hex characters at `offset` of `text`. */
    get(text: string, offset: number): number | undefined {
      if (text.length < offset + 40 || !readKey(text, offset)) return undefined;
      const entry = (slots[findSlot()] as number) - 1;
      return entry < 0 ? undefined : values[entry];
    },
    get size(): number {
      return size;
    },
  };
}

export type AddressTable = ReturnType<typeof createAddressTable>;
