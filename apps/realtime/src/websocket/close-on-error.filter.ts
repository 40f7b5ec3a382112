import { ArgumentsHost, Catch, Logger, WsExceptionFilter } from '@nestjs/common';
import { ClientConnection } from '../connections/client-connection';
import { CloseCode, CloseReason } from '../connections/close-codes';

/** A message handler that throws has hit a bug: it is logged and its connection closed with 1011 (reconnect). */
@Catch()
export class CloseOnErrorFilter implements WsExceptionFilter {
  private readonly logger = new Logger(CloseOnErrorFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const connection = host.switchToWs().getClient<ClientConnection>();
    this.logger.error(
      `connection ${connection.id} (${connection.protocol}): ${exception instanceof Error ? (exception.stack ?? exception.message) : String(exception)}`,
    );
    connection.close(CloseCode.StreamFailed, CloseReason.InternalError);
  }
}
