/**
 * Collects a stream's bytes up to a cap. It keeps `slackBytes` beyond the cap so that a secret
 * straddling the cap is still whole when scrubbed; the scrubbed text is then cut to the cap.
 */
export class CappedOutput {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  private seen = 0;

  constructor(
    private readonly capBytes: number,
    private readonly slackBytes: number,
  ) {}

  /** Returns false once everything worth keeping is kept: the caller may stop reading. */
  push(chunk: Buffer): boolean {
    this.seen += chunk.length;
    const room = this.capBytes + this.slackBytes - this.kept;
    if (room > 0) {
      const piece = chunk.length <= room ? chunk : chunk.subarray(0, room);
      this.chunks.push(piece);
      this.kept += piece.length;
    }
    return this.seen <= this.capBytes + this.slackBytes;
  }

  /** More bytes arrived than the cap allows. */
  get overflowed(): boolean {
    return this.seen > this.capBytes;
  }

  /** The kept bytes as UTF-8, scrubbed, then cut to the cap on a character boundary. */
  text(scrub: (text: string) => string): { text: string; truncated: boolean } {
    const scrubbed = scrub(Buffer.concat(this.chunks, this.kept).toString('utf8'));
    const encoded = Buffer.from(scrubbed, 'utf8');
    if (encoded.length <= this.capBytes && !this.overflowed) return { text: scrubbed, truncated: false };
    return { text: cutUtf8(encoded, this.capBytes), truncated: true };
  }
}

/** The longest prefix of `bytes` no longer than `maxBytes` that ends on a whole character. */
export function cutUtf8(bytes: Buffer, maxBytes: number): string {
  // Streaming mode holds back an incomplete trailing sequence instead of emitting U+FFFD.
  return new TextDecoder('utf-8').decode(bytes.subarray(0, maxBytes), { stream: true });
}
