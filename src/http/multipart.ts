import type { FastifyInstance, FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';

/** A file sent in a multipart form, read into memory within the route's limit. */
export interface UploadedFile {
  data: Buffer;
  /** What the client claimed; never trusted for the type (uploads are sniffed from their bytes). */
  filename: string;
  mimetype: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** This route takes file uploads (media, profile images) up to the configured size. */
    uploads?: boolean;
  }
}

/** Files and texts of a form, as an upload route reads them. */
const FILES_PER_UPLOAD_FORM = 4;
const FIELD_BYTES = 256 * 1024;

/**
 * Multipart forms (many Mastodon clients, masto.js among them, send every form this way; web
 * forms with a file input too) through @fastify/multipart. Text fields become the request body,
 * as JSON and urlencoded bodies do, so one schema per route reads them all. Files are read only
 * on routes that say they take uploads (`config: { uploads: true }`), at most
 * `maxUploadBytes` each (more: 422 naming the limit); elsewhere a file part is refused.
 */
export async function registerMultipart(
  app: FastifyInstance,
  options: {
    maxUploadBytes: number;
    /** Who may send files at all (checked before a byte of them is read): signed-in callers. */
    mayUpload: (request: FastifyRequest) => boolean;
  },
): Promise<void> {
  await app.register(multipart, { throwFileSizeLimit: true });
  // Callback-style with a synchronous way out: it runs before every route, and almost no
  // request is multipart (an async hook would cost a promise and a microtask turn each).
  app.addHook('preValidation', (request, _reply, done) => {
    if (!request.isMultipart()) return done();
    readForm(request).then(() => done(), done);
  });
  async function readForm(request: FastifyRequest): Promise<void> {
    const uploads = request.routeOptions.config.uploads === true;
    if (uploads && !options.mayUpload(request)) throw httpError(401, 'This method requires an authenticated user');
    const fields: Record<string, unknown> = {};
    const add = (name: string, value: unknown) => {
      const existing = fields[name];
      fields[name] =
        existing === undefined
          ? value
          : Array.isArray(existing)
            ? [...(existing as unknown[]), value]
            : [existing, value];
    };
    try {
      for await (const part of request.parts({
        limits: {
          fileSize: uploads ? options.maxUploadBytes : 1,
          files: uploads ? FILES_PER_UPLOAD_FORM : 0,
          fieldSize: FIELD_BYTES,
          fields: 200,
          parts: 250,
        },
      })) {
        if (part.type === 'file') {
          const file: UploadedFile = {
            data: await part.toBuffer(),
            filename: part.filename,
            mimetype: part.mimetype,
          };
          // An empty file input (a web form sent without choosing a file) is no file.
          if (file.data.length > 0 || file.filename !== '') add(part.fieldname, file);
        } else {
          if (part.valueTruncated) throw httpError(413, `Form field ${part.fieldname} is too long`);
          add(part.fieldname, part.value);
        }
      }
    } catch (error) {
      throw describeMultipartError(error, uploads, options.maxUploadBytes);
    }
    request.body = fields;
  }
}

function describeMultipartError(error: unknown, uploads: boolean, maxUploadBytes: number): Error {
  const code = (error as { code?: unknown }).code;
  if (code === 'FST_REQ_FILE_TOO_LARGE')
    return httpError(422, `File is too large: at most ${Math.floor(maxUploadBytes / (1024 * 1024))} MB`);
  if (code === 'FST_FILES_LIMIT_REACHED')
    return uploads ? httpError(422, 'Too many files in one form') : httpError(422, 'This endpoint takes no files');
  if (code === 'FST_PARTS_LIMIT_REACHED' || code === 'FST_FIELDS_LIMIT_REACHED')
    return httpError(413, 'Too many form fields');
  if (typeof (error as { statusCode?: unknown }).statusCode === 'number') return error as Error;
  return httpError(400, 'Request body is not valid multipart form data');
}

function httpError(statusCode: number, message: string): Error {
  return Object.assign(new Error(message), { statusCode });
}

/** The file sent under `name`, if exactly one was. */
export function uploadedFile(request: FastifyRequest, name: string): UploadedFile | undefined {
  const value = (request.body as Record<string, unknown> | undefined)?.[name];
  return isUploadedFile(value) ? value : undefined;
}

function isUploadedFile(value: unknown): value is UploadedFile {
  return typeof value === 'object' && value !== null && Buffer.isBuffer((value as UploadedFile).data);
}
