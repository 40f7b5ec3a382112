/** @threadline/client: the TypeScript SDK of Threadline (docs/sdk.md). Browser-safe: no Node module here. */
export { createClient, ThreadlineClient } from './client';
export type { InboxEntry, ListConversationsOptions } from './client';
export { Conversation } from './conversation';
export type { Consistency, StreamItem, SubscribeOptions, Subscription } from './conversation';
export { Run } from './run';
export type { RunEnd } from './run';
export type { SubscribeRunOptions } from './run-subscription';
export { appendWithVersionRetry } from './version-retry';
export { toUIMessages, toUIMessage, fromUIMessage } from './ui-messages';
export type { UIMessage, UIPart } from './ui-messages';
export type { UIMessageStreamSource } from './ui-stream-body';
export * from './errors';
export type * from './types';
export type { CallOptions, ClientOptions, RetryOptions } from './options';
export type { WebSocketConstructor, WebSocketLike } from './realtime/websocket-like';
export type { Agent, AgentInput, Delivery } from './resources/agents';
export type { ApiKey } from './resources/keys';
export type { SessionEvent, SessionEventInput, SessionRecord } from './resources/sessions';
