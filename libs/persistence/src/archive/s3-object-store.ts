import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  paginateListObjectsV2,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { S3StoreConfig } from '@threadline/config';
import { ListedObject, ObjectStore } from './object-store';

/** A TCP connection that is not up by then fails the attempt. */
const CONNECT_TIMEOUT_MS = 3000;
/** One request, body included (an 8 MiB segment takes well under a second on a healthy link). */
const REQUEST_TIMEOUT_MS = 60_000;
/** Attempts per operation, with the SDK's standard back-off in between. */
const MAX_ATTEMPTS = 3;
/** Readiness and retention ask `ping`: it answers or fails within this, retries included. */
const PING_TIMEOUT_MS = 5000;

/**
 * Objects in an S3 bucket (AWS or any S3-compatible store: S3Proxy, MinIO, ...),
 * under a key prefix. A PutObject is atomic: readers see the whole object or
 * none, so there are no partial leftovers to list. Every request is bounded
 * (connect and request timeouts, a few attempts): an unreachable store fails
 * the operation instead of hanging it. The store never creates its bucket.
 */
export class S3ObjectStore implements ObjectStore {
  readonly location: string;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(config: S3StoreConfig) {
    this.bucket = config.bucket;
    this.prefix = config.prefix;
    const at = config.endpoint === undefined ? '' : ` at ${config.endpoint}`;
    this.location = `s3://${config.bucket}/${config.prefix}${at}`;
    this.client = new S3Client({
      region: config.region,
      endpoint: config.endpoint,
      forcePathStyle: config.forcePathStyle,
      credentials: config.credentials,
      maxAttempts: MAX_ATTEMPTS,
      requestHandler: {
        connectionTimeout: CONNECT_TIMEOUT_MS,
        requestTimeout: REQUEST_TIMEOUT_MS,
        throwOnRequestTimeout: true,
      },
    });
  }

  async put(key: string, bytes: Buffer): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.prefix + key,
        Body: bytes,
        ContentType: 'application/gzip',
      }),
    );
  }

  async get(key: string): Promise<Buffer | null> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }));
      if (response.Body === undefined) {
        throw new Error(`s3://${this.bucket}/${this.prefix}${key}: response without a body`);
      }
      const bytes = await response.Body.transformToByteArray();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (error) {
      if (error instanceof S3ServiceException && error.name === 'NoSuchKey') {
        return null;
      }
      throw error;
    }
  }

  /** A HEAD response has no body to tell a missing key from a missing bucket: both are false (ping tells them apart). */
  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }));
      return true;
    } catch (error) {
      if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404) {
        return false;
      }
      throw error;
    }
  }

  /** The bucket exists and these credentials may use it. */
  async ping(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }), {
      abortSignal: AbortSignal.timeout(PING_TIMEOUT_MS),
    });
  }

  async *list(prefix: string): AsyncIterable<ListedObject[]> {
    const pages = paginateListObjectsV2(
      { client: this.client, pageSize: 1000 },
      { Bucket: this.bucket, Prefix: this.prefix + prefix },
    );
    for await (const page of pages) {
      const objects: ListedObject[] = [];
      for (const object of page.Contents ?? []) {
        if (object.Key !== undefined && object.LastModified !== undefined) {
          objects.push({
            key: object.Key.slice(this.prefix.length),
            lastModified: object.LastModified,
            partial: false,
          });
        }
      }
      yield objects;
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }));
  }
}
