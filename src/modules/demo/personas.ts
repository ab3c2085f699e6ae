/** The demo trust and the people the sign-in page offers to sign in as. */
export const DEMO_TRUST = { slug: 'oakfield', name: 'Oakfield Learning Trust' } as const;

export const DEMO_PERSONAS = [
  { email: 'amara.okafor@oakfield.example', label: 'Trust administrator' },
  { email: 'david.hughes@oakfield.example', label: 'Head teacher' },
  { email: 'priya.shah@oakfield.example', label: 'Designated safeguarding lead' },
  { email: 'tom.fletcher@oakfield.example', label: 'Data protection officer' },
  { email: 'kwame.mensah@oakfield.example', label: 'IT manager' },
  { email: 'ellie.ward@oakfield.example', label: 'Teacher' },
] as const;

/** The demo trust administrator's password, for the password sign-in page. */
export const DEMO_ADMIN_PASSWORD = 'oakfield-demo-admin';
