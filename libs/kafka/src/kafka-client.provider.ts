import { Logger, Provider } from '@nestjs/common';
import { Kafka, logLevel, LogEntry } from 'kafkajs';
import { KafkaConfig } from '@threadline/config';
import { KAFKA_CONFIG } from './kafka.constants';

const logger = new Logger('kafkajs');

function logCreator() {
  return ({ level, log }: LogEntry) => {
    const { message, ...extra } = log;
    const line = `${message} ${JSON.stringify(extra)}`;
    if (level === logLevel.ERROR) {
      logger.error(line);
    } else if (level === logLevel.WARN) {
      logger.warn(line);
    }
  };
}

/** The one kafkajs client of a service; producers, consumers and admins are made from it. */
export const kafkaClientProvider: Provider = {
  provide: Kafka,
  inject: [KAFKA_CONFIG],
  useFactory: (config: KafkaConfig) =>
    new Kafka({
      clientId: config.clientId,
      brokers: config.brokers,
      connectionTimeout: 3000,
      requestTimeout: config.requestTimeoutMs,
      logLevel: logLevel.WARN,
      logCreator,
      retry: { initialRetryTime: 100, retries: 8, maxRetryTime: 2000 },
    }),
};
