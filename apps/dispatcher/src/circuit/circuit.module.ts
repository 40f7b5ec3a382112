import { Module } from '@nestjs/common';
import { DISPATCHER_CONFIG, DispatcherConfig } from '../config/dispatcher.config';
import { CircuitBreakers } from './circuit-breaker';

/** The per-agent circuits of this instance. */
@Module({
  providers: [
    {
      provide: CircuitBreakers,
      inject: [DISPATCHER_CONFIG],
      useFactory: (config: DispatcherConfig) => new CircuitBreakers(config.circuit),
    },
  ],
  exports: [CircuitBreakers],
})
export class CircuitModule {}
