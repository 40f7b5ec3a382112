import { Module } from '@nestjs/common';
import { ConsoleController } from './console.controller';

/** The admin console: its page and settings under /console (assets: main.ts's static middleware). */
@Module({ controllers: [ConsoleController] })
export class ConsoleModule {}
