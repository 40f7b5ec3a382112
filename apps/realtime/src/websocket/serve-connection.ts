import { Logger } from '@nestjs/common';
import { ClientConnection } from '../connections/client-connection';
import { CloseCode, CloseReason } from '../connections/close-codes';

/**
 * Runs a gateway's handleConnection. Nest calls it from an rxjs subscriber,
 * where an error would be thrown on a timer and reach the process: a bug here
 * ends only this connection, with 1011.
 */
export function serveConnection(connection: ClientConnection, logger: Logger, serve: () => void): void {
  try {
    serve();
  } catch (error) {
    logger.error(
      `connection ${connection.id} (${connection.protocol}) could not be served: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    connection.close(CloseCode.StreamFailed, CloseReason.InternalError);
  }
}
