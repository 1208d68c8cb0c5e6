// The contract of a streaming framer: bytes in, complete frames (or framing errors) out. A framer
// never buffers more than its max frame size, so a sender cannot make Vigil hold a frame forever.

export type FrameOutput =
  | { kind: 'frame'; text: string }
  | {
      kind: 'error';
      /** What went wrong, for the dead-letter record. */
      message: string;
      /** The bytes that could not be framed (cut to the max frame size), kept for the dead-letter. */
      raw: string;
      /** False when the stream has lost sync and the connection must be closed. */
      canContinue: boolean;
    };

export interface Framer {
  /** Feeds the next chunk; returns the frames it completed. */
  push(chunk: Buffer): FrameOutput[];
  /** The stream ended: returns a last unterminated frame, if any. */
  end(): FrameOutput[];
}

/** @default 64 KiB — RFC 5425 requires receivers to accept at least 2 KiB, rsyslog's default is 8 KiB. */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024;
