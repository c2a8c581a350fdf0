/** The live demo's entry point (`npm run demo`): for now, tells where the running stack is. */
const temporalUi = process.env.TEMPORAL_UI_URL ?? 'http://127.0.0.1:8233';
console.log(`Temporal Web UI: ${temporalUi}`);
console.log(`Temporal gRPC:   ${process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233'}`);
console.log(`Kafka:           ${process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'}`);
console.log('Stop the servers with: npm run stack -- down');
