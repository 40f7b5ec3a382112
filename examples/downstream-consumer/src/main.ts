import { NestFactory } from '@nestjs/core';
import { MicroserviceOptions, Transport } from '@nestjs/microservices';
import { DownstreamModule } from './downstream.module';

/**
 * A downstream team's consumer of the public conversation topic, as a NestJS
 * hybrid application: the Kafka transport of @nestjs/microservices feeds
 * @EventPattern handlers, and a small HTTP API shows the result.
 */
async function main(): Promise<void> {
  const app = await NestFactory.create(DownstreamModule, { logger: ['error', 'warn', 'log'] });
  app.connectMicroservice<MicroserviceOptions>({
    transport: Transport.KAFKA,
    options: {
      client: {
        clientId: 'downstream-example',
        brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
      },
      consumer: { groupId: process.env.DOWNSTREAM_GROUP_ID ?? 'downstream-example' },
      subscribe: { fromBeginning: true },
      parser: { keepBinary: true },
    },
  });
  app.enableShutdownHooks();
  await app.startAllMicroservices();
  await app.listen(Number(process.env.DOWNSTREAM_PORT ?? 4100), '127.0.0.1');
}

void main();
