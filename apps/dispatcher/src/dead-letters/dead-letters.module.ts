import { Module } from '@nestjs/common';
import { MetricsModule } from '../metrics/metrics.module';
import { DeadLetterPublisher } from './dead-letter-publisher';

/** Dead deliveries → the dead-letter topic. */
@Module({ imports: [MetricsModule], providers: [DeadLetterPublisher], exports: [DeadLetterPublisher] })
export class DeadLettersModule {}
