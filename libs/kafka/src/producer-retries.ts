/**
 * The retry setting of every producer here: none inside kafkajs. When a partition's leader moves to a broker
 * that answered an earlier attempt of the same send (for its other partitions), kafkajs's retry skips that
 * broker and resolves without ever sending the moved partition's records (sendMessages.js keeps one answer
 * per broker): a send resolves with records Kafka never got. So each owner retries a failed send whole, and
 * a record written before the failure is written again, a duplicate its consumers drop or tolerate.
 */
export const NO_KAFKAJS_SEND_RETRIES = { retries: 0 } as const;
