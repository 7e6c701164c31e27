// A validator compiler for request bodies: TypeBox's compiled check, with no type coercion, so
// `{"password": 12345678}` is a 400 rather than the string "12345678" (Fastify's Ajv coerces by default).
import type { FastifySchema, FastifySchemaCompiler, FastifySchemaValidationError } from 'fastify'
import type { TSchema } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'

export const strictValidator: FastifySchemaCompiler<FastifySchema> = ({ schema }) => {
  const check = TypeCompiler.Compile(schema as TSchema)
  return (data: unknown) => {
    if (check.Check(data)) return { value: data }
    const error: FastifySchemaValidationError[] = [...check.Errors(data)].slice(0, 1).map((e) => ({
      keyword: 'type',
      instancePath: e.path,
      schemaPath: e.path,
      params: {},
      message: e.message.toLowerCase()
    }))
    return { error }
  }
}
