/** Sent in `hello` so the orchestrator's logs say which agent answered; bump on behaviour changes. */
export const AGENT_VERSION = '0.1.0';
