import { DynamicModule, Module } from '@nestjs/common';
import { KafkaConfig } from '@threadline/config';
import { kafkaClientProvider } from './kafka-client.provider';
import { KAFKA_CONFIG } from './kafka.constants';
import { TopicProvisioner } from './topic-provisioner';
import { TopicReadiness } from './topic-readiness';

@Module({})
export class KafkaModule {
  static forRoot(config: KafkaConfig): DynamicModule {
    return {
      module: KafkaModule,
      global: true,
      providers: [{ provide: KAFKA_CONFIG, useValue: config }, kafkaClientProvider, TopicProvisioner, TopicReadiness],
      exports: [KAFKA_CONFIG, kafkaClientProvider, TopicProvisioner, TopicReadiness],
    };
  }
}
