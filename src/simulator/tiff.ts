/**
 * A multi-page TIFF writer for simulated K3 movies: one uncompressed 8-bit grey page per frame (counting
 * cameras save small integer counts), baseline TIFF that libtiff, RELION and MotionCor2 read.
 */
const ENTRY_BYTES = 12;
const TAGS = 10;
const IFD_BYTES = 2 + TAGS * ENTRY_BYTES + 4;

export function encodeTiffStack(stack: { width: number; height: number; frames: Float32Array[] }): Buffer {
  const { width, height, frames } = stack;
  const pixels = width * height;
  const pageBytes = IFD_BYTES + pixels;
  const out = Buffer.alloc(8 + frames.length * pageBytes);
  out.write('II', 0, 'latin1');
  out.writeUInt16LE(42, 2);
  out.writeUInt32LE(8, 4);
  frames.forEach((frame, index) => {
    const ifd = 8 + index * pageBytes;
    const data = ifd + IFD_BYTES;
    const entries: [tag: number, type: number, value: number][] = [
      [256, 4, width], // ImageWidth
      [257, 4, height], // ImageLength
      [258, 3, 8], // BitsPerSample
      [259, 3, 1], // Compression: none
      [262, 3, 1], // PhotometricInterpretation: black is zero
      [273, 4, data], // StripOffsets
      [277, 3, 1], // SamplesPerPixel
      [278, 4, height], // RowsPerStrip: one strip
      [279, 4, pixels], // StripByteCounts
      [339, 3, 1], // SampleFormat: unsigned integer
    ];
    out.writeUInt16LE(TAGS, ifd);
    entries.forEach(([tag, type, value], i) => {
      const at = ifd + 2 + i * ENTRY_BYTES;
      out.writeUInt16LE(tag, at);
      out.writeUInt16LE(type, at + 2);
      out.writeUInt32LE(1, at + 4);
      if (type === 3) out.writeUInt16LE(value, at + 8);
      else out.writeUInt32LE(value, at + 8);
    });
    out.writeUInt32LE(index + 1 < frames.length ? ifd + pageBytes : 0, ifd + 2 + TAGS * ENTRY_BYTES);
    for (let i = 0; i < pixels; i++) out[data + i] = Math.max(0, Math.min(255, Math.round(frame[i]!)));
  });
  return out;
}
