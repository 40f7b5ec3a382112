export * from './scopes';
export * from './principal';
export * from './authenticator';
export * from './current-principal.decorator';
export * from './require-scopes.decorator';
export * from './auth.guard';
export * from './auth.module';
