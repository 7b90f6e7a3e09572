import sharp from 'sharp';

/** Test images, made with sharp (no binary fixtures in the repository). */
export async function photo(width = 1200, height = 900, colour = '#336699'): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: colour } })
    .jpeg()
    .toBuffer();
}

/** A JPEG as a phone takes it: camera make and GPS position in its EXIF, rotated by the orientation tag. */
export async function photoWithGps(): Promise<Buffer> {
  // Stored 300 wide and 200 high; orientation 6 shows it 200 wide and 300 high.
  return sharp({ create: { width: 300, height: 200, channels: 3, background: '#aa3300' } })
    .jpeg()
    .withMetadata({ orientation: 6 })
    .withExifMerge({
      IFD0: { Make: 'SpyCam', Model: 'Tracker 3000' },
      IFD3: {
        GPSLatitudeRef: 'N',
        GPSLatitude: '51/1 30/1 1234/100',
        GPSLongitudeRef: 'W',
        GPSLongitude: '0/1 7/1 0/1',
      },
    })
    .toBuffer();
}

/** The EXIF GPS-IFD pointer tag (0x8825) as little- and big-endian bytes. */
export function hasGpsTag(bytes: Buffer): boolean {
  return bytes.includes(Buffer.from([0x25, 0x88])) || bytes.includes(Buffer.from([0x88, 0x25]));
}

export async function png(width = 64, height = 64): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 4, background: { r: 0, g: 200, b: 0, alpha: 0.5 } } })
    .png()
    .toBuffer();
}

export async function animatedGif(): Promise<Buffer> {
  const frame = (colour: string) =>
    sharp({ create: { width: 120, height: 80, channels: 4, background: colour } })
      .png()
      .toBuffer();
  return sharp([await frame('#ff0000'), await frame('#00ff00'), await frame('#0000ff')], { join: { animated: true } })
    .gif({ delay: [100, 100, 100] })
    .toBuffer();
}

export function blob(data: Buffer, type: string): Blob {
  return new Blob([new Uint8Array(data)], { type });
}
