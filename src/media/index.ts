export { MediaLibrary, DESCRIPTION_LIMIT } from './service.ts';
export { SUPPORTED_IMAGE_TYPES, IMAGE_MATRIX_LIMIT } from './images.ts';
export { LocalMediaFiles } from './local-files.ts';
export { S3MediaFiles, MEDIA_CACHE_CONTROL } from './s3-files.ts';
export { contentTypeOfKey } from './keys.ts';
