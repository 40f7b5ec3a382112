export * from './data-source-options';
export * from './entities/consumer-offset.entity';
export * from './entities/conversation.entity';
export * from './entities/message.entity';
export * from './persistence.module';
export * from './run-migrations';
