export {
  defaultLogFormat,
  logger,
  type LogFields,
  type LogFormat,
  type Logger,
  type LoggerOptions,
  type LogLevel,
} from "./log";
export { quietRepeats } from "./repeats";
