export const KAFKA_CONFIG = Symbol('KAFKA_CONFIG');
