// Non-transparent framing (RFC 6587 §3.4.2): frames end at LF (a CR before it is dropped). An
// over-long frame is reported once, cut to the max size, and the rest up to the next LF skipped.
import { DEFAULT_MAX_FRAME_BYTES, type FrameOutput, type Framer } from './types.ts';

export interface NewlineFramerOptions {
  /** Emit empty lines too, so frame numbers are line numbers (files). @default false */
  keepEmpty?: boolean;
}

export function createNewlineFramer(maxFrameBytes = DEFAULT_MAX_FRAME_BYTES, opts: NewlineFramerOptions = {}): Framer {
  const keepEmpty = opts.keepEmpty ?? false;
  let parts: Buffer[] = [];
  let size = 0;
  // True while skipping the tail of an over-long frame already reported.
  let skipping = false;

  const text = (buf: Buffer): string => {
    const end = buf.length > 0 && buf[buf.length - 1] === 0x0d ? buf.length - 1 : buf.length;
    return buf.toString('utf8', 0, end);
  };

  const overflow = (): FrameOutput => {
    const raw = Buffer.concat(parts).subarray(0, maxFrameBytes).toString('utf8');
    parts = [];
    size = 0;
    skipping = true;
    return {
      kind: 'error',
      message: `frame longer than ${maxFrameBytes} bytes without a newline; cut and the rest skipped`,
      raw,
      canContinue: true,
    };
  };

  return {
    push(chunk) {
      const out: FrameOutput[] = [];
      let start = 0;
      while (start < chunk.length) {
        const nl = chunk.indexOf(0x0a, start);
        if (nl === -1) {
          if (!skipping) {
            parts.push(chunk.subarray(start));
            size += chunk.length - start;
            if (size > maxFrameBytes) out.push(overflow());
          }
          break;
        }
        if (skipping) {
          skipping = false;
        } else {
          parts.push(chunk.subarray(start, nl));
          size += nl - start;
          if (size > maxFrameBytes) {
            out.push(overflow());
            skipping = false;
          } else {
            const frame = text(parts.length === 1 ? parts[0] : Buffer.concat(parts));
            parts = [];
            size = 0;
            if (frame.length > 0 || keepEmpty) out.push({ kind: 'frame', text: frame });
          }
        }
        start = nl + 1;
      }
      return out;
    },
    end() {
      if (skipping || size === 0) return [];
      const frame = text(Buffer.concat(parts));
      parts = [];
      size = 0;
      return frame.length > 0 ? [{ kind: 'frame', text: frame }] : [];
    },
  };
}
