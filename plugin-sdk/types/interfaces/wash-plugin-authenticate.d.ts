/// <reference path="./wash-plugin-types.d.ts" />
declare module 'wash:plugin/authenticate@0.2.1' {
  export function authenticate(): Credentials;
  export type Credentials = import('wash:plugin/types@0.2.1').Credentials;
}
