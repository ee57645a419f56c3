import { Controller, Get, Param } from '@nestjs/common';
import { AppService, Greeting } from './app.service';

@Controller()
export class AppController {
  constructor(private readonly appService: AppService) {}

  @Get('greeting/:name')
  greet(@Param('name') name: string): Promise<Greeting> {
    return this.appService.greet(name);
  }
}
