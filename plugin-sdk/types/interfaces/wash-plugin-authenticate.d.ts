/// <reference path="./wash-plugin-types.d.ts" />
declare module 'wash:plugin/authenticate@0.1.0' {
  export function authenticate(): Credentials;
  export type Credentials = import('wash:plugin/types@0.1.0').Credentials;
}
