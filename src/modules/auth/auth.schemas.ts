// Sign-in and password change bodies.
export const loginSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['email', 'password'],
  properties: {
    email: { type: 'string', minLength: 1, maxLength: 254 },
    password: { type: 'string', minLength: 1, maxLength: 256 },
  },
} as const;

export const logoutSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { everywhere: { type: 'boolean', default: false, description: 'Also end every other sign-in of this user.' } },
} as const;

export const passwordChangeSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['current_password', 'new_password'],
  properties: {
    current_password: { type: 'string', minLength: 1, maxLength: 256 },
    new_password: { type: 'string', minLength: 1, maxLength: 256 },
  },
} as const;

export interface LoginInput {
  email: string;
  password: string;
}
