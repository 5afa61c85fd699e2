/** An amount in minor units of its currency (cents for USD), as every domain's events carry it. */
export interface Money {
  amount: number;
  currency: string;
}
