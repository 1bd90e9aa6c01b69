// The CDK app's entry point (cdk.json). Everything is in ../lib; see ../README.md.
import { createApp } from '../lib/app.ts';

createApp().app.synth();
