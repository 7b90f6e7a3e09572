import type { Metadata, Sharp, SharpOptions } from 'sharp';
import { encode } from 'blurhash';
import { invalid } from '../shared/errors.ts';
import type { ImageSize } from '../core/index.ts';

/**
 * Image processing with sharp (libvips). Every file served is re-encoded from decoded pixels:
 * nothing of the uploaded bytes survives (no EXIF, GPS, XMP, comments or appended data), the
 * EXIF orientation is applied to the pixels first, and the type is what the bytes are, never
 * what the client said.
 */

/** The formats taken, recognised by their first bytes. HEIC needs an HEVC decoder sharp's builds lack. */
type ImageFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'avif';

/** Mime types offered to clients as supported (the instance's `supported_mime_types`). */
export const SUPPORTED_IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif'] as const;

/** Mastodon's `image_matrix_limit`: larger images are refused before they are decoded. */
export const IMAGE_MATRIX_LIMIT = 33_177_600;
/** All frames of an animated GIF or WebP together (e.g. 100 frames of 1280×720). */
const ANIMATION_PIXEL_LIMIT = 100_000_000;
/** Full-size files are scaled down to this many pixels at most (3840×2160), as Mastodon does. */
const FULL_SIZE_PIXELS = 8_294_400;
/** Previews: this many pixels at most (640×360). */
const PREVIEW_PIXELS = 230_400;
const AVATAR = { width: 400, height: 400 };
const HEADER = { width: 1500, height: 500 };

/** libvips loads on the first upload, not in every process (one-shot CLI commands never need it). */
let library: Promise<{ default: (input: Buffer, options: SharpOptions) => Sharp }> | null = null;
async function sharp(input: Buffer, options: SharpOptions): Promise<Sharp> {
  library ??= import('sharp');
  return (await library).default(input, options);
}

function sniffImage(data: Buffer): ImageFormat | 'heic' | null {
  const ascii = (from: number, to: number) => data.subarray(from, to).toString('latin1');
  if (data.length >= 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'jpeg';
  if (data.length >= 8 && data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return 'png';
  if (ascii(0, 6) === 'GIF87a' || ascii(0, 6) === 'GIF89a') return 'gif';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  if (ascii(4, 8) === 'ftyp') {
    const brand = ascii(8, 12);
    if (brand === 'avif' || brand === 'avis') return 'avif';
    if (['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1'].includes(brand)) return 'heic';
  }
  return null;
}

interface Inspected {
  format: ImageFormat;
  /** Size after the EXIF orientation is applied. */
  width: number;
  height: number;
  animated: boolean;
  alpha: boolean;
}

/** Checks that the bytes are an image of a taken format, not too large, that decodes. */
export async function inspectImage(data: Buffer, field: string): Promise<Inspected> {
  const sniffed = sniffImage(data);
  if (sniffed === 'heic')
    throw invalid('HEIC images are not supported here; send JPEG, PNG, WebP, GIF or AVIF', { field }).coded(
      'media.heic',
    );
  if (sniffed === null)
    throw invalid(
      'The file is not a supported image (JPEG, PNG, WebP, GIF or AVIF); video and audio are not supported',
      {
        field,
      },
    ).coded('media.unsupported');
  let metadata: Metadata;
  try {
    metadata = await (await sharp(data, { failOn: 'error', limitInputPixels: false, animated: true })).metadata();
  } catch {
    throw invalid('The image is corrupt or truncated', { field }).coded('media.corrupt');
  }
  const expected = sniffed === 'avif' ? 'heif' : sniffed;
  if (metadata.format !== expected || !metadata.width || !metadata.height)
    throw invalid('The image is corrupt or truncated', { field }).coded('media.corrupt');
  const frameHeight = metadata.pageHeight ?? metadata.height;
  if (metadata.width * frameHeight > IMAGE_MATRIX_LIMIT)
    throw invalid(`The image is too large: at most ${IMAGE_MATRIX_LIMIT} pixels`, { field }).coded(
      'media.too_many_pixels',
      { max: IMAGE_MATRIX_LIMIT },
    );
  // Every frame of an animation is decoded and scaled: bound the work, not only one frame.
  if (metadata.width * frameHeight * (metadata.pages ?? 1) > ANIMATION_PIXEL_LIMIT)
    throw invalid('The animation is too large: fewer or smaller frames, please', { field }).coded(
      'media.animation_too_large',
    );
  const rotated = (metadata.orientation ?? 1) >= 5;
  return {
    format: sniffed,
    width: rotated ? frameHeight : metadata.width,
    height: rotated ? metadata.width : frameHeight,
    animated: (metadata.pages ?? 1) > 1,
    alpha: metadata.hasAlpha === true,
  };
}

export interface ProcessedImage {
  full: { data: Buffer; contentType: string; extension: string; size: ImageSize };
  preview: { data: Buffer; contentType: string; extension: string; size: ImageSize };
  blurhash: string;
}

async function decoder(data: Buffer, animated: boolean): Promise<Sharp> {
  // Pixel limits were checked by inspectImage; a decode error here is a corrupt file.
  return (await sharp(data, { failOn: 'error', limitInputPixels: ANIMATION_PIXEL_LIMIT, animated })).autoOrient();
}

/** The largest size of this aspect within `pixels`, never larger than the original. */
function fitArea(width: number, height: number, pixels: number): ImageSize {
  if (width * height <= pixels) return { width, height };
  const scale = Math.sqrt(pixels / (width * height));
  return { width: Math.max(1, Math.floor(width * scale)), height: Math.max(1, Math.floor(height * scale)) };
}

/**
 * A media attachment: the full-size file in its own format (AVIF becomes JPEG, or PNG when it
 * is transparent; an animated GIF stays an animated GIF, scaled), a still WebP preview and the
 * blurhash. `previewSource` (a custom thumbnail) replaces the image for the preview.
 */
export async function processAttachment(
  data: Buffer,
  image: Inspected,
  previewSource?: { data: Buffer; image: Inspected },
): Promise<ProcessedImage> {
  const fullSize = fitArea(image.width, image.height, FULL_SIZE_PIXELS);
  const resized = (await decoder(data, image.animated)).resize(fullSize.width, fullSize.height, { fit: 'fill' });
  let output: { pipeline: Sharp; contentType: string; extension: string };
  if (image.format === 'gif') output = { pipeline: resized.gif(), contentType: 'image/gif', extension: 'gif' };
  else if (image.format === 'webp')
    output = { pipeline: resized.webp({ quality: 85 }), contentType: 'image/webp', extension: 'webp' };
  else if (image.format === 'png' || (image.format === 'avif' && image.alpha))
    output = { pipeline: resized.png({ compressionLevel: 9 }), contentType: 'image/png', extension: 'png' };
  else
    output = {
      pipeline: resized.flatten({ background: '#ffffff' }).jpeg({ quality: 85, mozjpeg: true }),
      contentType: 'image/jpeg',
      extension: 'jpg',
    };
  const full = await output.pipeline.toBuffer();
  const source = previewSource ?? { data, image };
  const previewSize = fitArea(source.image.width, source.image.height, PREVIEW_PIXELS);
  const preview = await (await decoder(source.data, false))
    .resize(previewSize.width, previewSize.height, { fit: 'fill' })
    .webp({ quality: 80 })
    .toBuffer();
  return {
    full: { data: full, contentType: output.contentType, extension: output.extension, size: fullSize },
    preview: { data: preview, contentType: 'image/webp', extension: 'webp', size: previewSize },
    blurhash: await blurhashOf(source.data),
  };
}

async function blurhashOf(data: Buffer): Promise<string> {
  const { data: pixels, info } = await (await decoder(data, false))
    .resize(32, 32, { fit: 'inside' })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return encode(new Uint8ClampedArray(pixels), info.width, info.height, 4, 4);
}

/** An avatar (400×400) or header (1500×500): cropped to fill, a still WebP. */
export async function processProfileImage(data: Buffer, kind: 'avatar' | 'header'): Promise<Buffer> {
  const size = kind === 'avatar' ? AVATAR : HEADER;
  return (await decoder(data, false))
    .resize(size.width, size.height, { fit: 'cover', position: 'attention' })
    .webp({ quality: 85 })
    .toBuffer();
}
