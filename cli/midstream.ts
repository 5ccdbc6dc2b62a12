import { Command } from 'commander'
console.log(new Command().name)
