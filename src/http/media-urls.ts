/** The public URL of a stored media file: under the S3 public URL, or Sparrow's own `/media`. */
export function mediaFileUrl(urls: { media: { baseUrl: string } }, key: string): string {
  return `${urls.media.baseUrl}/${key}`;
}
