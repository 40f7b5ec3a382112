/** The kafkajs client and the types the apps use with it: apps import kafkajs only through this library. */
export { CompressionTypes, Kafka } from 'kafkajs';
export type { Admin, Consumer, EachBatchPayload, KafkaMessage, Producer } from 'kafkajs';
