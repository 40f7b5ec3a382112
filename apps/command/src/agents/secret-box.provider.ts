import { Provider } from '@nestjs/common';
import { SecretBox } from '@threadline/auth';
import { COMMAND_CONFIG, CommandConfig } from '../config/command.config';

/** Seals agents' signing secrets under AGENT_SECRETS_KEY (validated at start-up). */
export const secretBoxProvider: Provider = {
  provide: SecretBox,
  inject: [COMMAND_CONFIG],
  useFactory: (config: CommandConfig) => new SecretBox(config.agents.secretsKey),
};
