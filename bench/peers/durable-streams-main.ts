import { DurableStreamsModule, requirePeer } from './modules';

/**
 * `node durable-streams-main.js PORT DATA_DIR`: the Durable Streams reference server,
 * file-backed, as its own process (as the command service is). Tells its parent
 * `ready` over IPC once it listens; stops on SIGTERM or when the parent goes away.
 */
async function main(): Promise<void> {
  const [port, dataDir] = process.argv.slice(2);
  const { DurableStreamTestServer } = requirePeer<DurableStreamsModule>('@durable-streams/server');
  const server = new DurableStreamTestServer({ port: Number(port), host: '127.0.0.1', dataDir, compression: false });
  await server.start();
  const stop = () => {
    server.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('disconnect', stop);
  process.send?.('ready');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
