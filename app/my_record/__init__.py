"""The person at the centre: their own plan, their own words in it, their carer, who has looked."""
