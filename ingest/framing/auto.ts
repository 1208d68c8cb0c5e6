// Per-connection framing detection (RFC 6587 §3.4): octet-counted frames start with a digit,
// non-transparent ones with '<' (the PRI) or any other text. Decided on the first byte.
import { createNewlineFramer } from './newline.ts';
import { createOctetCountingFramer } from './octet-counting.ts';
import { DEFAULT_MAX_FRAME_BYTES, type Framer } from './types.ts';

export type FramingName = 'octet-counting' | 'newline';

export interface AutoFramer extends Framer {
  /** The framing chosen, once the first byte has been seen. */
  readonly framing: FramingName | undefined;
}

export function createAutoFramer(maxFrameBytes = DEFAULT_MAX_FRAME_BYTES): AutoFramer {
  let inner: Framer | undefined;
  let framing: FramingName | undefined;
  return {
    get framing() {
      return framing;
    },
    push(chunk) {
      if (!inner) {
        const first = chunk.find((b) => b !== 0x0a && b !== 0x0d && b !== 0x20);
        if (first === undefined) return [];
        framing = first >= 0x31 && first <= 0x39 ? 'octet-counting' : 'newline';
        inner = framing === 'octet-counting' ? createOctetCountingFramer(maxFrameBytes) : createNewlineFramer(maxFrameBytes);
      }
      return inner.push(chunk);
    },
    end() {
      return inner ? inner.end() : [];
    },
  };
}
