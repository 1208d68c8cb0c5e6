// Octet-counting framing (RFC 6587 §3.4.1, RFC 5425 §4.3): "MSG-LEN SP SYSLOG-MSG". A frame
// longer than the max is reported with its first bytes and the remainder skipped by count, so
// the stream stays in sync; a malformed length loses sync and ends the stream.
import { DEFAULT_MAX_FRAME_BYTES, type FrameOutput, type Framer } from './types.ts';

// MSG-LEN is a NONZERO-DIGIT followed by at most 9 more digits in practice.
const MAX_LENGTH_DIGITS = 10;

export function createOctetCountingFramer(maxFrameBytes = DEFAULT_MAX_FRAME_BYTES): Framer {
  let lengthText = '';
  /** Bytes still expected for the current frame; -1 while reading the length. */
  let expected = -1;
  let parts: Buffer[] = [];
  let collected = 0;
  /** Bytes to discard (tail of an over-long frame). */
  let toSkip = 0;
  let failed = false;

  return {
    push(chunk) {
      const out: FrameOutput[] = [];
      let i = 0;
      while (i < chunk.length && !failed) {
        if (toSkip > 0) {
          const n = Math.min(toSkip, chunk.length - i);
          toSkip -= n;
          i += n;
          continue;
        }
        if (expected === -1) {
          const c = chunk[i];
          if (c === 0x20 && lengthText.length > 0) {
            const len = Number(lengthText);
            lengthText = '';
            i++;
            if (len > maxFrameBytes) {
              const avail = Math.min(maxFrameBytes, chunk.length - i);
              // Keep what we can see of the frame for the dead-letter, then skip the rest by count.
              const head = chunk.subarray(i, i + avail).toString('utf8');
              toSkip = len - avail;
              i += avail;
              out.push({
                kind: 'error',
                message: `frame of ${len} bytes exceeds the maximum of ${maxFrameBytes}; cut and the rest skipped`,
                raw: head,
                canContinue: true,
              });
              continue;
            }
            expected = len;
            continue;
          }
          // Whitespace between frames (some senders add a newline) is tolerated.
          if (lengthText.length === 0 && (c === 0x0a || c === 0x0d || c === 0x20)) {
            i++;
            continue;
          }
          const isDigit = c >= 0x30 && c <= 0x39;
          if (!isDigit || (lengthText.length === 0 && c === 0x30) || lengthText.length >= MAX_LENGTH_DIGITS) {
            failed = true;
            out.push({
              kind: 'error',
              message: `octet-counting: expected a message length (digits then a space), got ${JSON.stringify(
                String.fromCharCode(c),
              )} after ${JSON.stringify(lengthText)}; the stream cannot be resynchronised`,
              raw: (lengthText + chunk.subarray(i, i + maxFrameBytes).toString('utf8')).slice(0, maxFrameBytes),
              canContinue: false,
            });
            break;
          }
          lengthText += String.fromCharCode(c);
          i++;
          continue;
        }
        const n = Math.min(expected - collected, chunk.length - i);
        parts.push(chunk.subarray(i, i + n));
        collected += n;
        i += n;
        if (collected === expected) {
          out.push({ kind: 'frame', text: trimTrailingNewline(Buffer.concat(parts).toString('utf8')) });
          parts = [];
          collected = 0;
          expected = -1;
        }
      }
      return out;
    },
    end() {
      if (failed || expected === -1) return [];
      const raw = Buffer.concat(parts).toString('utf8');
      const out: FrameOutput[] = [
        {
          kind: 'error',
          message: `octet-counting: stream ended after ${collected} of ${expected} announced bytes`,
          raw,
          canContinue: false,
        },
      ];
      parts = [];
      expected = -1;
      collected = 0;
      return out;
    },
  };
}

// Some senders count a trailing LF into MSG-LEN; it is not part of the message.
function trimTrailingNewline(s: string): string {
  return s.endsWith('\n') ? s.slice(0, s.endsWith('\r\n') ? -2 : -1) : s;
}
