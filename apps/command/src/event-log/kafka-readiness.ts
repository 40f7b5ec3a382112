import { Injectable } from '@nestjs/common';
import { ReadinessService } from '@threadline/observability';
import { EventPublisher } from './event-publisher';

/** Ready while the producer is connected; a check while it is not starts a reconnect. */
@Injectable()
export class KafkaReadiness {
  constructor(publisher: EventPublisher, readiness: ReadinessService) {
    readiness.register('kafka_producer', () => {
      if (!publisher.isConnected) {
        void publisher.ensureConnected();
      }
      return { ok: publisher.isConnected };
    });
  }
}
