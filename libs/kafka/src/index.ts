export * from './kafka.constants';
export * from './kafka.module';
export * from './kafkajs';
export * from './restarting-consumer';
export * from './retry-with-backoff';
export * from './stored-position-consumer';
export * from './topic-provisioner';
export * from './topic-readiness';
