export { stubNoAwsCredentials } from './no-aws-credentials.ts';
export { sendRaw } from './raw-socket.ts';
