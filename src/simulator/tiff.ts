/**
 * A multi-page TIFF writer for simulated K3 movies, as a K3 saves them: one 8-bit grey page per frame (counting
 * cameras save small integer counts), LZW-compressed, one strip per page. Baseline TIFF 6.0 that libtiff, RELION
 * and MotionCor2 read.
 */
const ENTRY_BYTES = 12;
const TAGS = 10;
const IFD_BYTES = 2 + TAGS * ENTRY_BYTES + 4;
const LZW = 5;

const CLEAR = 256;
const END_OF_INFORMATION = 257;
const FIRST_FREE = 258;
/** TIFF's LZW writes a Clear code once the table holds 4094 entries (codes stay within 12 bits). */
const TABLE_FULL = 4094;

/**
 * TIFF 6.0 LZW (section 13): MSB-first codes of 9-12 bits, widened once the next free code passes 511, 1023 and
 * 2047, as libtiff's own encoder does (its decoder, one entry behind, widens "early").
 */
export function lzwCompress(input: Uint8Array): Buffer {
  // (prefix code << 8 | byte) -> generation << 12 | code; a new generation empties the table at each Clear.
  const table = new Int32Array(4096 * 256);
  let generation = 1;
  const out: number[] = [];
  let bits = 0;
  let bitCount = 0;
  let width = 9;
  let next = FIRST_FREE;
  const emit = (code: number) => {
    bits = (bits << width) | code;
    bitCount += width;
    while (bitCount >= 8) {
      bitCount -= 8;
      out.push((bits >>> bitCount) & 0xff);
    }
    bits &= (1 << bitCount) - 1;
  };
  const widen = () => {
    if (next === 512 || next === 1024 || next === 2048) width++;
  };
  emit(CLEAR);
  if (input.length === 0) {
    emit(END_OF_INFORMATION);
  } else {
    let prefix = input[0]!;
    for (let i = 1; i < input.length; i++) {
      const byte = input[i]!;
      const key = (prefix << 8) | byte;
      const entry = table[key]!;
      if (entry >>> 12 === generation) {
        prefix = entry & 0xfff;
        continue;
      }
      emit(prefix);
      table[key] = (generation << 12) | next++;
      if (next === TABLE_FULL) {
        emit(CLEAR);
        generation++;
        next = FIRST_FREE;
        width = 9;
      } else {
        widen();
      }
      prefix = byte;
    }
    emit(prefix);
    // The decoder adds an entry for this last code too: the End of Information code may need the wider width.
    if (++next === TABLE_FULL) {
      emit(CLEAR);
      width = 9;
    } else {
      widen();
    }
    emit(END_OF_INFORMATION);
  }
  if (bitCount > 0) out.push((bits << (8 - bitCount)) & 0xff);
  return Buffer.from(out);
}

export function encodeTiffStack(stack: { width: number; height: number; frames: Float32Array[] }): Buffer {
  const { width, height, frames } = stack;
  const pixels = width * height;
  const strips = frames.map((frame) => {
    const counts = new Uint8Array(pixels);
    for (let i = 0; i < pixels; i++) counts[i] = Math.max(0, Math.min(255, Math.round(frame[i]!)));
    return lzwCompress(counts);
  });
  const out = Buffer.alloc(8 + strips.reduce((total, strip) => total + IFD_BYTES + strip.length + (strip.length % 2), 0));
  out.write('II', 0, 'latin1');
  out.writeUInt16LE(42, 2);
  out.writeUInt32LE(8, 4);
  let ifd = 8;
  strips.forEach((strip, index) => {
    const data = ifd + IFD_BYTES;
    // Word-aligned IFDs, as TIFF 6.0 asks.
    const nextIfd = data + strip.length + (strip.length % 2);
    const entries: [tag: number, type: number, value: number][] = [
      [256, 4, width], // ImageWidth
      [257, 4, height], // ImageLength
      [258, 3, 8], // BitsPerSample
      [259, 3, LZW], // Compression
      [262, 3, 1], // PhotometricInterpretation: black is zero
      [273, 4, data], // StripOffsets
      [277, 3, 1], // SamplesPerPixel
      [278, 4, height], // RowsPerStrip: one strip
      [279, 4, strip.length], // StripByteCounts
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
    out.writeUInt32LE(index + 1 < strips.length ? nextIfd : 0, ifd + 2 + TAGS * ENTRY_BYTES);
    strip.copy(out, data);
    ifd = nextIfd;
  });
  return out;
}

/**
 * TIFF stores rows top-down and MRC (what the engines read and write) bottom-up: an axis angle seen in a TIFF's
 * rows is mirrored in the engines' (and a shift's y is negated).
 */
export const mirroredAxis = (degrees: number) => (180 - degrees) % 180;
